export { pipeline } from './pipeline.js';
