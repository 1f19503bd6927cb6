// `npm start`: the main job on the local target (see README "Quick start").
import { runDemo } from "./demo.js";
import { formatDemoSummary } from "./summary-format.js";

const started = performance.now();
try {
  const summary = await runDemo({ log: (line) => console.log(`- ${line}`) });
  console.log(formatDemoSummary(summary));
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`dvidcloud demo failed: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof Error && err.cause) console.error(`  cause: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
  process.exitCode = 1;
}
