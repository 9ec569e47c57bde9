// Demo service: works for a while, then crashes with exit code 1, so restarts are visible.
const lifetime = 5_000 + Math.floor(Math.random() * 15_000);
console.log(`flaky: up, will crash in ${lifetime} ms`);
setTimeout(() => {
  console.error("flaky: something went wrong, exiting with 1");
  process.exit(1);
}, lifetime);
