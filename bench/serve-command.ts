/**
 * The one way Chorus is started in production and in tests: `node bin/chorus.js serve`.
 * The crash and load tests spawn exactly this; test/docker checks the images' CMD is the same.
 */
export const SERVE_ARGV = ['bin/chorus.js', 'serve'] as const;
