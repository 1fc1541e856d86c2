// Preloaded (node --import) into a child the harness starts: the child ends soon after its parent
// does, however the parent ended (kill -9 included): an orphan is handed to another parent.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 250).unref();
