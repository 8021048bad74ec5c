// Prints "N passed, N failed" from vitest's JSON report and exits non-zero when anything failed,
// when vitest itself failed (a coverage threshold, a crash), or when a test was skipped under CI.
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
if (!existsSync(file)) {
  console.log('vitest wrote no report');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests;
const skipped = report.numPendingTests + report.numTodoTests;
// A suite that failed to load counts as a failure even though none of its tests ran.
const brokenSuites = report.testResults.filter(
  (r) => r.status === 'failed' && r.assertionResults.length === 0,
).length;
const failed = report.numFailedTests + brokenSuites;
const exitCode =
  Number(status) !== 0 || failed > 0 || (process.env.CI === 'true' && skipped > 0) ? 1 : 0;
if (Number(status) !== 0 && failed === 0)
  console.log(`vitest exited with ${status} (coverage threshold or runner error)`);
if (process.env.CI === 'true' && skipped > 0)
  console.log(`${skipped} test(s) skipped under CI=true`);
// A failed run with no failed test (threshold, crash, skip under CI) still counts as one failure.
const shownFailed = exitCode && failed === 0 ? 1 : failed;
console.log(`${passed} passed, ${shownFailed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exitCode);
