// Moved to local/arthur/ (issue 10): kept as a re-export so branches that still import this path merge cleanly.
export * from './arthur/index.js';
