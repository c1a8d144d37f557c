// Renders asterisk-conf/ templates for one Asterisk instance: render-asterisk TEMPLATE_DIR OUT_DIR INSTANCE_ROOT
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@cti/contracts';
import { ensureSeatSecrets, renderAsteriskConf, seatName } from '@cti/asterisk';

const [templateDir, outDir, instanceRoot] = process.argv.slice(2);
if (!templateDir || !outDir || !instanceRoot) {
  console.error('usage: render-asterisk TEMPLATE_DIR OUT_DIR INSTANCE_ROOT');
  process.exit(2);
}
const config = loadConfig(process.env);
const templates: Record<string, string> = {};
for (const file of readdirSync(templateDir).filter((f) => f.endsWith('.conf'))) {
  templates[file] = readFileSync(join(templateDir, file), 'utf8');
}
// Registering seats each get their own generated password, kept in CTI_SEAT_SECRETS_FILE (outside the repository).
const seatSecrets = config.CTI_SEAT_CONTACT
  ? {}
  : ensureSeatSecrets(config.CTI_SEAT_SECRETS_FILE, Array.from({ length: config.CTI_SEATS }, (_, i) => seatName(i + 1)));
for (const [file, text] of Object.entries(renderAsteriskConf(templates, config, instanceRoot, seatSecrets))) {
  writeFileSync(join(outDir, file), text, { mode: 0o600 });
}
