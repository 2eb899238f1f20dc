/** Entry point of the `stepline` CLI (`bin/stepline.js` loads this with tsx). */
import { runCli } from './program.js';

const code = await runCli(process.argv);
process.exit(code);
