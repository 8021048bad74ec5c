/**
 * Global setup of the integration project: finds Postgres, RabbitMQ, Redis and NATS, and hands their
 * URLs to the test files (`inject('databaseUrl')`, `inject('amqpUrl')`, `inject('redisUrl')`,
 * `inject('natsUrl')`).
 *
 * Order: DATABASE_URL / AMQP_URL / REDIS_URL / NATS_URL (default: the loopback services of our machines); when one does
 * not answer and a Docker daemon does, a testcontainers container; otherwise one clear error.
 * AMQP_MANAGEMENT_URL (default: port 15672 of the broker's host) is where the RabbitMQ tests
 * find the management API when rabbitmqctl is not available.
 * Nothing is ever skipped.
 */
import { connect as netConnect } from 'node:net';
import type { TestProject } from 'vitest/node';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    amqpUrl: string;
    /** The RabbitMQ management API (used only where rabbitmqctl is not at hand). */
    amqpManagementUrl: string;
    redisUrl: string;
    /** NATS with JetStream. */
    natsUrl: string;
  }
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = netConnect({ host: hostname || '127.0.0.1', port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

const stops: (() => Promise<unknown>)[] = [];

async function resolveService(
  name: string,
  variable: string,
  fallbackUrl: string,
  port: number,
  start: () => Promise<string>,
): Promise<string> {
  const url = process.env[variable] ?? fallbackUrl;
  if (await reachable(url, port)) return url;
  if (await dockerAnswers()) return start();
  throw new Error(
    `${name} is not reachable at ${url} (from ${variable in process.env ? variable : 'the default'}), ` +
      `and no Docker daemon answers for testcontainers. Start ${name} there, or set ${variable} ` +
      `to a server that runs (e.g. ${variable}=${fallbackUrl} npm test).`,
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const databaseUrl = await resolveService(
    'PostgreSQL',
    'DATABASE_URL',
    DEFAULT_DATABASE_URL,
    5432,
    async () => {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:15').start();
      stops.push(() => container.stop());
      return container.getConnectionUri();
    },
  );
  let amqpManagementUrl = process.env.AMQP_MANAGEMENT_URL;
  const amqpUrl = await resolveService('RabbitMQ', 'AMQP_URL', DEFAULT_AMQP_URL, 5672, async () => {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const container = await new RabbitMQContainer('rabbitmq:3-management').start();
    stops.push(() => container.stop());
    amqpManagementUrl = `http://${container.getHost()}:${container.getMappedPort(15672)}`;
    return container.getAmqpUrl();
  });
  const redisUrl = await resolveService('Redis', 'REDIS_URL', DEFAULT_REDIS_URL, 6379, async () => {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    stops.push(() => container.stop());
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  });
  project.provide('databaseUrl', databaseUrl);
  project.provide('amqpUrl', amqpUrl);
  project.provide(
    'amqpManagementUrl',
    amqpManagementUrl ?? `http://${new URL(amqpUrl).hostname}:15672`,
  );
  const natsUrl = await resolveService('NATS', 'NATS_URL', DEFAULT_NATS_URL, 4222, async () => {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('nats:2')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .start();
    stops.push(() => container.stop());
    return `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
  });
  project.provide('redisUrl', redisUrl);
  project.provide('natsUrl', natsUrl);
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
