// Renders asterisk-conf/ templates for one Asterisk instance: render-asterisk TEMPLATE_DIR OUT_DIR INSTANCE_ROOT
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '@cti/contracts';
import { WEBRTC_CERT_PATHS, browserPhonesEnabled, ensureSeatSecrets, registeringEndpoints, renderAsteriskConf } from '@cti/asterisk';

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
// Registering seats (desk phones without a static contact, browser phones) each get their own generated password,
// kept in CTI_SEAT_SECRETS_FILE (outside the repository).
const registering = registeringEndpoints(config);
const seatSecrets = registering.length ? ensureSeatSecrets(config.CTI_SEAT_SECRETS_FILE, registering) : {};
for (const [file, text] of Object.entries(renderAsteriskConf(templates, config, instanceRoot, seatSecrets))) {
  writeFileSync(join(outDir, file), text, { mode: 0o600 });
}
// Browser phones: the TLS certificate and key go inside the instance's own etc/ (Asterisk may run in a root
// filesystem that cannot see the paths this process was given).
if (browserPhonesEnabled(config)) {
  for (const [what, from, to] of [['CTI_WEBRTC_CERT_FILE', config.CTI_WEBRTC_CERT_FILE, WEBRTC_CERT_PATHS.cert], ['CTI_WEBRTC_KEY_FILE', config.CTI_WEBRTC_KEY_FILE, WEBRTC_CERT_PATHS.key]] as const) {
    if (!from || !existsSync(from)) {
      console.error(`render-asterisk: ${what} ${from ? `(${from}) does not exist` : 'is empty'}; browser phones need a TLS certificate and its key`);
      process.exit(1);
    }
    mkdirSync(dirname(join(outDir, to)), { recursive: true, mode: 0o700 });
    copyFileSync(from, join(outDir, to));
    chmodSync(join(outDir, to), 0o600);
  }
}
