import { validateDefinition } from './src/pipeline/validate.js';
for (const n of [500, 2000, 5000, 10000]) {
  const steps = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, activity: 'echo', dependsOn: i > 1 ? [`s${i-1}`, 's0'] : undefined, input: i ? `{{ steps.s${i - 1}.output }} {{ steps.s0.output }}` : 1 }));
  const t = performance.now();
  const r = validateDefinition({ name: 'big', steps });
  console.log(n, r.ok, Math.round(performance.now() - t), 'ms');
}
