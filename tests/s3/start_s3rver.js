// Starts s3rver on 127.0.0.1 at a free port with the buckets named on the
// command line, and writes the port to a file once it listens.
// Usage: node start_s3rver.js PORT_FILE DIRECTORY BUCKET...
'use strict';

const fs = require('fs');
const path = require('path');
const S3rver = require(path.join(__dirname, 'node_modules', 's3rver'));

const [portFile, directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});

server.run().then(({ port }) => {
  fs.writeFileSync(portFile + '.tmp', String(port));
  fs.renameSync(portFile + '.tmp', portFile);
});

process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
