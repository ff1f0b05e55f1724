// The store's public surface: open the database, the schema types, the repositories.
export * from './database.js';
export * from './errors.js';
export * from './schema.js';
export * from './repositories/index.js';
export * from './advisory-lock.js';
