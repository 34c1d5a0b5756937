import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CollectionSchema, CollectionSchemaInput } from '../../domain/collection.js';
import { ChorusError } from '../../errors.js';
import type { VectorStore } from '../../stores/vector-store.js';
import { configFor } from '../options.js';
import { positiveInt } from './search.js';
import { FACET_FILTER_FLAG_HELP, readFacetFilterFlags, readFilterFlag } from '../filter-flag.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function withStore<T>(cmd: Command, fn: (store: VectorStore) => Promise<T>): Promise<T> {
  const { createVectorStore } = await import('../../stores/create-vector-store.js');
  const store = await createVectorStore(await configFor(cmd));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `chorus collection create|list|drop`: manage collections on the configured vector store. */
export function registerCollectionCommand(program: Command): void {
  const collection = program
    .command('collection')
    .description('create, list, export or drop collections');

  collection
    .command('create')
    .description('create a collection with named vectors and payload indexes')
    .argument('<name>', 'collection name (1-64 letters, digits, _ or -)')
    .option(
      '--vector <spec>',
      'named vector name:dim[:cosine|dot|l2[:modelId]] (repeatable)',
      collect,
    )
    .option(
      '--index <spec>',
      'filterable payload field field:keyword|integer|float|bool|text|datetime (repeatable)',
      collect,
    )
    .option(
      '--schema <file>',
      'JSON file with {vectors, payloadIndexes} instead of --vector/--index',
    )
    .option('--json', 'print the created schema as JSON')
    .addHelpText(
      'after',
      '\nExample: chorus collection create shop --vector text:384 --vector image:512 --index brand:keyword --index price:float',
    )
    .action(
      async (
        name: string,
        flags: { vector?: string[]; index?: string[]; schema?: string; json?: boolean },
        cmd: Command,
      ) => {
        const { parseVectorFlag, parseIndexFlag, describeCollection } =
          await import('./collection-flags.js');
        let input: CollectionSchemaInput;
        if (flags.schema) {
          if (flags.vector || flags.index)
            throw new ChorusError(
              'BAD_REQUEST',
              'use either --schema or --vector/--index, not both',
            );
          let parsed: unknown;
          try {
            parsed = JSON.parse(readFileSync(flags.schema, 'utf8'));
          } catch (e) {
            throw new ChorusError(
              'BAD_REQUEST',
              `cannot read schema file ${flags.schema}: ${(e as Error).message}`,
            );
          }
          input = { ...(parsed as object), name } as CollectionSchemaInput;
        } else {
          if (!flags.vector?.length)
            throw new ChorusError(
              'BAD_REQUEST',
              'a collection needs at least one --vector name:dim',
            );
          input = {
            name,
            vectors: Object.fromEntries(flags.vector.map(parseVectorFlag)),
            payloadIndexes: Object.fromEntries((flags.index ?? []).map(parseIndexFlag)),
          };
        }
        const schema = await withStore(cmd, (store) => store.createCollection(input));
        process.stdout.write(
          flags.json ? `${JSON.stringify(schema)}\n` : `created ${describeCollection(schema)}\n`,
        );
      },
    );

  collection
    .command('list')
    .description('list collections with their item counts, vectors and payload indexes')
    .option('--json', 'print a JSON array of schemas, each with its item count (`items`)')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const { describeCollection } = await import('./collection-flags.js');
      const list = await withStore(cmd, async (store) => {
        const out: (CollectionSchema & { items: number })[] = [];
        for (const c of await store.listCollections())
          out.push({ ...c, items: await store.count(c.name) });
        return out;
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else if (!list.length) process.stdout.write('no collections\n');
      else {
        const lines = list.map((c) => describeCollection(c).replace('\t', `\t${c.items} items\t`));
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });

  collection
    .command('facets')
    .description(
      "count payload fields' values over every item (what a catalogue's facets would show)",
    )
    .argument('<name>', 'collection name')
    .requiredOption(
      '--field <field>',
      'a payload field to count (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--size <n>',
      'values per field, most frequent first (default 10)',
      positiveInt('--size'),
    )
    .option(
      '--filter <expr>',
      'count only the items that pass: key=value, key>=n (comma-separated) or JSON',
    )
    .option(
      '--facet-filter <field=value>',
      FACET_FILTER_FLAG_HELP,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'print the counts as JSON')
    .action(
      async (
        name: string,
        flags: {
          field: string[];
          size?: number;
          filter?: string;
          facetFilter?: string[];
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const filter = await readFilterFlag(flags.filter);
        const facetFilters = await readFacetFilterFlags(flags.facetFilter);
        const { collectionFacets } = await import('../../engine/collection-facets.js');
        const { oneLine } = await import('./result-printer.js');
        const r = await withStore(cmd, async (store) => {
          await store.openCollection(name);
          return collectionFacets(store, name, flags.field, {
            size: flags.size,
            filter,
            facetFilters,
          });
        });
        if (flags.json) return void process.stdout.write(`${JSON.stringify(r)}\n`);
        const lines: string[] = [];
        for (const [field, values] of Object.entries(r.facets)) {
          lines.push(field);
          if (values.length === 0) lines.push('  (no values)');
          // Payload values are client data: control characters are not written to the terminal.
          for (const v of values) lines.push(`  ${oneLine(String(v.value))}\t${v.count}`);
        }
        lines.push(
          r.matched === undefined
            ? `counted ${r.scanned} items`
            : `counted ${r.scanned} items, ${r.matched} with every facet filter`,
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );

  collection
    .command('export')
    .description(
      'write every item as JSON Lines that `chorus index` loads back (a copy, or a move to another store: CHORUS_STORE=qdrant)',
    )
    .argument('<name>', 'collection name')
    .option('--out <file>', 'JSONL file to write (default: stdout)')
    .option('--schema-out <file>', 'also write the schema, for `chorus collection create --schema`')
    .option(
      '--no-vectors',
      'leave the vectors out: rows carry payload.text as `text` for the target to encode (image and audio need their files)',
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExample (embedded store to Qdrant):\n' +
        '  chorus collection export shop --out shop.jsonl --schema-out shop.schema.json\n' +
        '  CHORUS_STORE=qdrant chorus collection create shop --schema shop.schema.json\n' +
        '  CHORUS_STORE=qdrant chorus index shop.jsonl --collection shop\n' +
        '\nExit codes: 0 done, 1 the store failed, 2 no such collection.',
    )
    .action(
      async (
        name: string,
        flags: { out?: string; schemaOut?: string; vectors: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const { exportCollection } = await import('./collection-export.js');
        const r = await withStore(cmd, (store) =>
          exportCollection(store, name, {
            out: flags.out,
            schemaOut: flags.schemaOut,
            vectors: flags.vectors,
            onProgress: (n, total) => process.stderr.write(`chorus: exported ${n} of ${total}\n`),
          }),
        );
        const summary = { collection: name, exported: r.exported, out: flags.out ?? null };
        // With the items on stdout, the summary goes to stderr.
        const say = flags.out ? process.stdout : process.stderr;
        say.write(
          flags.json
            ? `${JSON.stringify(summary)}\n`
            : `exported ${r.exported} items of ${name}${flags.out ? ` to ${flags.out}` : ''}\n`,
        );
      },
    );

  collection
    .command('drop')
    .description('delete a collection and all its items')
    .argument('<name>', 'collection name')
    .option('--yes', 'confirm: the items cannot be recovered')
    .option('--json', 'print {"dropped": name} as JSON')
    .action(async (name: string, flags: { yes?: boolean; json?: boolean }, cmd: Command) => {
      if (!flags.yes)
        throw new ChorusError(
          'BAD_REQUEST',
          `dropping ${name} deletes all its items; repeat with --yes`,
        );
      await withStore(cmd, (store) => store.dropCollection(name));
      process.stdout.write(
        flags.json ? `${JSON.stringify({ dropped: name })}\n` : `dropped ${name}\n`,
      );
    });
}
