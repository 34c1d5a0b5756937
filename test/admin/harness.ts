import { createAdminRouter } from '../../src/admin/router.js';
import type { ConfigInput } from '../../src/config.js';
import { startServer, vec, type TestServer } from '../api/harness.js';

/** A real server (temp LanceDB + SQLite) with the admin router mounted, without a model registry. */
export function startAdminServer(config: Partial<ConfigInput> = {}): Promise<TestServer> {
  return startServer(config, {
    extraRouters: (deps, built) => [
      createAdminRouter({
        engine: built.engine,
        config: deps.config,
        keys: deps.keys,
        db: built.db,
        queue: built.jobs?.queue,
      }),
    ],
  });
}

export const SHOP_DOCS = [
  'red summer dress',
  'blue denim jacket',
  'red running shoes',
  'green wool scarf',
  'red leather bag',
];

/** Collection `shop`: five short product texts with an 8-d text vector and a keyword `category`. */
export async function seedShop(s: TestServer): Promise<void> {
  await s.chorus.engine.createCollection({
    name: 'shop',
    vectors: { text: { modality: 'text', dim: 8 } },
    payloadIndexes: { category: 'keyword' },
  });
  await s.chorus.engine.upsertItems(
    'shop',
    SHOP_DOCS.map((text, i) => ({
      id: `i${i}`,
      text,
      payload: { title: text, category: i % 2 ? 'Shoes' : 'Dresses' },
      vectors: { text: vec(8, i, i) },
    })),
  );
}

/** Logs in with `key` and returns the cookie + CSRF headers an admin UI request carries. */
export async function adminSession(
  s: TestServer,
  key?: string,
): Promise<{ cookie: string; 'x-csrf-token': string }> {
  const login = await s.call('POST', '/admin/api/login', key === undefined ? {} : { key });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
  return {
    cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!,
    'x-csrf-token': login.json.csrf as string,
  };
}
