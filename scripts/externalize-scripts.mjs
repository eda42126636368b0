// Trunk post_build hook: moves every inline <script> of the staged index.html into its own
// file (boot-<sha256>.js) and references it with src=, so that the page's
// Content-Security-Policy can stay `script-src 'self'` (no 'unsafe-inline', no hashes to
// keep in step with Trunk's loader). Runs for `trunk build` and `trunk serve` alike.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) {
  console.error('externalize-scripts: TRUNK_STAGING_DIR is not set (run me as a Trunk hook)');
  process.exit(1);
}
const publicUrl = process.env.TRUNK_PUBLIC_URL || '/';
const htmlPath = join(stage, 'index.html');
const html = readFileSync(htmlPath, 'utf8');
let moved = 0;
const out = html.replace(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g, (whole, attrs = '', body) => {
  if (/\ssrc\s*=/.test(attrs) || body.trim() === '') return whole;
  // `trunk serve` fills its live-reload placeholders into index.html as it serves it, which
  // cannot reach a separate file: let the script read the address from the page instead.
  body = body
    .replace(/'\{\{__TRUNK_ADDRESS__\}\}'/gi, 'window.location.host')
    .replace(/'\{\{__TRUNK_WS_BASE__\}\}'/gi, JSON.stringify(publicUrl));
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const name = `boot-${digest}.js`;
  writeFileSync(join(stage, name), body);
  moved += 1;
  const kept = attrs.replace(/\snonce\s*=\s*("[^"]*"|'[^']*'|\S+)/g, '');
  return `<script${kept} src="${publicUrl}${name}"></script>`;
});
writeFileSync(htmlPath, out);
console.log(`externalize-scripts: moved ${moved} inline script(s) out of index.html`);
