// Applies migrations/ to the configured database and schema, then exits.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cti/contracts';
import { migrate } from '@cti/db';

const config = loadConfig(process.env);
const dir = fileURLToPath(new URL('../../../migrations', import.meta.url));
migrate(config.CTI_DATABASE_URL, config.CTI_DB_SCHEMA, dir)
  .then(({ applied }) => {
    console.log(JSON.stringify({ schema: config.CTI_DB_SCHEMA, applied }));
  })
  .catch((err: Error) => {
    console.error(`migration failed: ${err.message}`);
    process.exit(1);
  });
