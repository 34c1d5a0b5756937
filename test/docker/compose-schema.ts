import { z } from 'zod';

/**
 * A focused, strict subset of the Compose Specification (compose-spec/compose-spec, schema/compose-spec.json):
 * the fields our compose.yaml uses, with the spec's types and enums, and unknown keys rejected (as the spec does
 * with additionalProperties: false). The full schema is not vendored; see the H7 report.
 */
const Name = /^[a-zA-Z0-9._-]+$/;
const Duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(us|ms|s|m|h))+$/, 'a Go duration such as 10s or 1m30s');
const StringOrList = z.union([z.string(), z.array(z.string())]);
const ListOrDict = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  z.array(z.string()),
]);
const XKeys = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((o, ctx) => {
      for (const k of Object.keys(o))
        if (!(k in shape) && !k.startsWith('x-'))
          ctx.addIssue({ code: 'custom', message: `unknown key "${k}"`, path: [k] });
    });

export const Healthcheck = XKeys({
  test: z
    .union([z.string(), z.array(z.string()).min(1)])
    .refine(
      (t) => typeof t === 'string' || ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0]!),
      'test[0] must be CMD, CMD-SHELL or NONE',
    ),
  interval: Duration.optional(),
  timeout: Duration.optional(),
  retries: z.number().int().min(0).optional(),
  start_period: Duration.optional(),
  start_interval: Duration.optional(),
  disable: z.boolean().optional(),
});

const DependsOn = z.union([
  z.array(z.string()),
  z.record(
    z.string().regex(Name),
    z
      .object({
        condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']),
        restart: z.union([z.boolean(), z.string()]).optional(),
        required: z.boolean().optional(),
      })
      .strict(),
  ),
]);

const Build = z.union([
  z.string(),
  XKeys({
    context: z.string().optional(),
    dockerfile: z.string().optional(),
    args: ListOrDict.optional(),
    target: z.string().optional(),
  }),
]);

const Device = z
  .object({
    driver: z.string().optional(),
    count: z.union([z.number().int(), z.literal('all')]).optional(),
    capabilities: z.array(z.string()).optional(),
  })
  .strict();
const Deploy = XKeys({
  resources: XKeys({
    reservations: XKeys({ devices: z.array(Device).optional() }).optional(),
  }).optional(),
});

export const Service = XKeys({
  image: z.string().optional(),
  build: Build.optional(),
  command: StringOrList.optional(),
  entrypoint: StringOrList.optional(),
  environment: ListOrDict.optional(),
  env_file: StringOrList.optional(),
  ports: z.array(z.union([z.string(), z.number()])).optional(),
  expose: z.array(z.union([z.string(), z.number()])).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: DependsOn.optional(),
  healthcheck: Healthcheck.optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
  user: z.string().optional(),
  deploy: Deploy.optional(),
});

export const ComposeFile = XKeys({
  name: z.string().optional(),
  services: z.record(z.string().regex(Name), Service),
  volumes: z
    .record(
      z.string().regex(Name),
      z.union([
        z.null(),
        XKeys({
          driver: z.string().optional(),
          external: z.boolean().optional(),
          name: z.string().optional(),
        }),
      ]),
    )
    .optional(),
  networks: z.record(z.string().regex(Name), z.unknown()).optional(),
});
export type ComposeFile = z.infer<typeof ComposeFile>;
