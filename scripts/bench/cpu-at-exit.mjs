// Preloaded with --import by send-path.mjs: prints this process's CPU time at exit.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(2, `\nNATTER_BENCH_CPU_US ${user + system}\n`);
});
