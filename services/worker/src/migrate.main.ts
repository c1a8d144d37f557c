// Applies migrations/ to the configured database and schema, fills what a migration added for existing rows (the
// knowledge base's suggestion terms, migrations/0970), then exits.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cti/contracts';
import { KnowledgeBaseRepository, createDb, migrate } from '@cti/db';

const config = loadConfig(process.env);
const dir = fileURLToPath(new URL('../../../migrations', import.meta.url));
migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, dir)
  .then(async ({ applied }) => {
    const db = createDb(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, 1);
    try {
      const kbSuggestTermsFilled = await new KnowledgeBaseRepository(db).backfillSuggestTerms();
      console.log(JSON.stringify({ schema: config.CTI_DB_SCHEMA, applied, kbSuggestTermsFilled }));
    } finally {
      await db.destroy();
    }
  })
  .catch((err: Error) => {
    console.error(`migration failed: ${err.message}`);
    process.exit(1);
  });
