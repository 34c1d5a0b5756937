import { z } from 'zod';
import { CollectionName } from '../domain/collection.js';
import { JsonValue } from '../domain/item.js';

/** Shared response and parameter schemas (route files own their request schemas). */

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code (see src/errors.ts)' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorResponse' });

export const CollectionParam = z.object({ name: CollectionName }).strict();

export const Explanation = z
  .object({
    scores: z
      .record(z.string(), z.number())
      .meta({ description: 'Raw score per source (vector name, bm25, profile)' }),
    shares: z
      .record(z.string(), z.number())
      .meta({ description: "Each source's share of the final score (sums to 1)" }),
    ranks: z
      .record(z.string(), z.number().int())
      .meta({ description: '0-based rank in each stage-1 list' }),
    used: z
      .array(z.string())
      .optional()
      .meta({ description: 'Sources this query actually used (shares are over these only)' }),
    gate: z.record(z.string(), z.number()).optional().meta({
      description: "Learned model: the query-dependent gate's weight per used source (sums to 1)",
    }),
    residualShare: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: 'Learned model: share of the final score from the bounded residual' }),
    baseline: z
      .string()
      .optional()
      .meta({ description: 'Learned model: the baseline fusion it corrects' }),
    contributions: z
      .record(z.string(), z.number())
      .optional()
      .meta({ description: "Rank-only fusions (rrf, noop): each source's added contribution" }),
  })
  .meta({ id: 'Explanation' });

export const Hit = z
  .object({
    id: z.string(),
    score: z.number(),
    payload: z.record(z.string(), JsonValue),
    explanation: Explanation,
    highlights: z
      .record(
        z.string(),
        z.array(
          z.union([
            z.tuple([z.number().int(), z.number().int()]),
            z.tuple([z.number().int(), z.number().int(), z.number().int()]),
          ]),
        ),
      )
      .optional()
      .meta({
        description:
          'With `highlight`: per text field, where it holds the query terms ([start, end) in UTF-16 code units; in a list of strings, [element, start, end])',
      }),
    snippets: z
      .record(z.string(), z.tuple([z.number().int(), z.number().int()]))
      .optional()
      .meta({
        description:
          'With `snippet`: per matched string field, the window [start, end) to show (UTF-16 code units of the stored string)',
      }),
    promoted: z.literal(true).optional().meta({
      description:
        "Placed here by the collection's curation rule for this query, not by the ranking (score 0 and no sources when the ranking had not found it)",
    }),
    collapsed: z.number().int().optional().meta({
      description: "With `collapse`: how many lower-ranked hits of this hit's group were left out",
    }),
    distance: z.number().optional().meta({
      description: "Sorted by distance (a `near` sort key): metres from its point to this hit's",
    }),
  })
  .meta({ id: 'Hit' });

/** Per requested payload field, its most frequent values with their counts, most frequent first. */
export const FacetCounts = z
  .record(
    z.string(),
    z.array(
      z.object({
        value: z.union([z.string(), z.number(), z.boolean()]),
        count: z.number().int(),
      }),
    ),
  )
  .meta({ id: 'FacetCounts' });

export const RankedResponse = z
  .object({
    queryId: z.string().meta({ description: 'Send feedback events with this queryId' }),
    collection: z.string(),
    ranker: z.object({ name: z.string(), version: z.string() }),
    hits: z.array(Hit),
    sources: z.array(z.string()).meta({ description: 'Stage-1 lists that ran' }),
    notes: z
      .array(z.string())
      .meta({ description: 'What could not be reached and why (missing models, no profile)' }),
    timings: z.record(z.string(), z.number()).meta({ description: 'Milliseconds per stage' }),
    plans: z.record(z.string(), z.string()).optional().meta({
      description:
        "How each vector list ran: 'graph' (ANN), 'exact' (selective filter), 'graph>exact'",
    }),
    facets: FacetCounts.optional().meta({
      description:
        "Per requested facet, its most frequent values over the query's candidates, most frequent first",
    }),
    corrections: z
      .array(z.object({ word: z.string(), as: z.string() }))
      .optional()
      .meta({
        description:
          'Query words the collection never saw that the BM25 list read as a word one edit away (typo tolerance), spelt as a shown hit spells it: "did you mean"',
      }),
    curation: z
      .object({
        rule: z
          .number()
          .int()
          .meta({ description: "0-based place of the rule in the collection's list" }),
        query: z.string(),
        match: z.enum(['exact', 'contains']),
        promoted: z
          .array(z.string())
          .meta({ description: 'The promoted items placed first, in order' }),
        position: z.number().int().optional().meta({
          description:
            '1-based position of the first promoted item, when the rule sets one (else the top)',
        }),
      })
      .optional()
      .meta({
        description:
          "The collection's curation rule this text matched: its promoted items come first, its hidden ones nowhere",
      }),
  })
  .meta({ id: 'RankedResponse' });

/** Base64 media in JSON bodies (images/audio for search and items). */
export const Base64Media = z.base64().max(40_000_000);

/** Query-string booleans: only `true`/`false`/`1`/`0`. */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
