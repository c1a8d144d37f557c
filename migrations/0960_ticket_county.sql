-- The county or county-level city of Ganzi a ticket's matter is in (docs/domain.md §17), chosen at intake from the
-- configured list (CTI_TICKET_COUNTIES). Nullable: tickets opened before the field existed, or left unset, have none.
ALTER TABLE tickets ADD COLUMN county text CHECK (county IS NULL OR (length(county) BETWEEN 1 AND 32));
