// Prints vitest's JSON results as the plain closing line CI reads: "<label>: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';
import process from 'node:process';

const [file, label] = process.argv.slice(2);
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
process.stdout.write(`${label}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped` + '\n');
process.exit(r.numFailedTests === 0 && r.numTotalTests > 0 ? 0 : 1);
