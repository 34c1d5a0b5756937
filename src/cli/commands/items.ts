import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { withEngine } from '../engine-session.js';
import { readFilterFlag } from '../filter-flag.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `key=value`: the value read as JSON when it is JSON (12, true, "x", [1,2]), else as text. */
function setting(spec: string): [string, unknown] {
  const i = spec.indexOf('=');
  if (i <= 0) throw new ChorusError('BAD_REQUEST', `--set takes field=value, got "${spec}"`);
  const raw = spec.slice(i + 1);
  try {
    return [spec.slice(0, i).trim(), JSON.parse(raw)];
  } catch {
    return [spec.slice(0, i).trim(), raw];
  }
}

/** `chorus items delete|patch`: catalogue upkeep on the configured store, as the API's routes do it. */
export function registerItemsCommand(program: Command): void {
  const items = program.command('items').description('delete items or change their payload fields');
  items
    .command('delete')
    .description('delete items by id, or every item a filter selects (store, then BM25)')
    .requiredOption('--collection <name>', 'collection')
    .option('--id <id>', 'an item id (repeatable)', collect)
    .option(
      '--filter <expr>',
      'every item that passes: key=value, key>=n (comma-separated) or JSON',
    )
    .option('--yes', 'confirm a delete by filter (the items cannot be recovered)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 the store failed, 2 bad usage or no such collection.',
    )
    .action(
      async (
        flags: { collection: string; id?: string[]; filter?: string; yes?: boolean },
        cmd: Command,
      ) => {
        if (!flags.id === !flags.filter)
          throw new ChorusError('BAD_REQUEST', 'give --id ID (repeatable) or --filter EXPR');
        if (flags.filter && !flags.yes)
          throw new ChorusError('BAD_REQUEST', 'deleting by filter needs --yes');
        const filter = await readFilterFlag(flags.filter);
        const r = await withEngine(cmd, (e) =>
          filter
            ? e.deleteWhere(flags.collection, filter)
            : e.deleteItems(flags.collection, [...new Set(flags.id)]),
        );
        const matched = 'matched' in r ? ` (the filter selected ${String(r.matched)})` : '';
        process.stdout.write(`deleted ${r.deleted} item(s) from ${flags.collection}${matched}\n`);
      },
    );
  items
    .command('patch')
    .description('change some payload fields of one item; its vectors stay (no re-encoding)')
    .argument('<id>', 'item id')
    .requiredOption('--collection <name>', 'collection')
    .option(
      '--set <field=value>',
      'replace or add a top-level field; JSON values are read as JSON (repeatable)',
      collect,
    )
    .option('--unset <field>', 'remove a top-level field (repeatable)', collect)
    .option('--json', 'print the item as JSON')
    .action(
      async (
        id: string,
        flags: { collection: string; set?: string[]; unset?: string[]; json?: boolean },
        cmd: Command,
      ) => {
        if (!flags.set && !flags.unset)
          throw new ChorusError('BAD_REQUEST', 'give --set field=value or --unset field');
        const { ClientPayload } = await import('../../domain/item.js');
        const parsed = ClientPayload.safeParse(Object.fromEntries((flags.set ?? []).map(setting)));
        if (!parsed.success)
          throw new ChorusError('BAD_REQUEST', `--set: ${parsed.error.issues[0]!.message}`);
        const clash = flags.unset?.find((k) => k in parsed.data);
        if (clash !== undefined)
          throw new ChorusError('BAD_REQUEST', `"${clash}" is both set and unset`);
        const item = await withEngine(cmd, (e) =>
          e.patchItem(flags.collection, id, {
            ...(flags.set ? { set: parsed.data } : {}),
            ...(flags.unset ? { unset: flags.unset } : {}),
          }),
        );
        process.stdout.write(
          flags.json
            ? JSON.stringify({ id: item.id, payload: item.payload }, null, 2) + '\n'
            : `patched ${item.id} in ${flags.collection}\n`,
        );
      },
    );
}
