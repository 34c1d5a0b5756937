// `node --import` this file to log every module URL the process loads (one per line) to $RECORD_IMPORTS_LOG.
// The hook runs on the loader thread; it records what actually resolved, whichever loader (tsx or plain) ran first.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
const log = process.env.RECORD_IMPORTS_LOG;
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (log) appendFileSync(log, r.url + '\\n');
  return r;
}
`;
register('data:text/javascript,' + encodeURIComponent(hooks));
