// better-sqlite3 builds from source when its prebuilt binary cannot be downloaded
// (only the npm registry is reachable on our CI and dev machines). node-gyp would then
// try to download Node's headers too; point it at the headers that ship with the
// running Node instead, so the install needs nothing but the registry.
const fs = require('node:fs');
const path = require('node:path');
const prefix = path.resolve(process.execPath, '..', '..');
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
  process.env.npm_config_nodedir = prefix;
}
module.exports = { hooks: {} };
