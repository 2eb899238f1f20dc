/**
 * The pure pipeline model: definition schema, validation, templates, durations and error classes.
 * Deterministic and free of Node APIs, so workflow, worker and client code can all import it.
 * (Text loading lives in `./load.js` and the JSON Schema in `./json-schema.js`, outside this bundle.)
 */
export * from './errors.js';
export * from './duration.js';
export * from './definition.js';
export * from './validate.js';
export * from './templates.js';
