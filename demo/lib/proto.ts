/** Loads demo/proto/*.proto once; servers and clients take their method tables from here. */
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { fileURLToPath } from 'node:url';
import { grpcServiceOf, serviceNames, type ServiceName } from './services.ts';

const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));

let loaded: PackageDefinition | undefined;

function packageDefinition(): PackageDefinition {
  loaded ??= loadSync(
    serviceNames.map((name) => `${name}.proto`),
    // Decoded shapes must match demo/lib/types.ts.
    { includeDirs: [protoDir], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
  );
  return loaded;
}

export function serviceDefinition(service: ServiceName): ServiceDefinition<UntypedServiceImplementation> {
  const fullName = `shop.v1.${grpcServiceOf[service]}`;
  const definition = packageDefinition()[fullName];
  if (definition === undefined || 'format' in definition || !isServiceDefinition(definition)) {
    throw new Error(`demo/proto: service ${fullName} is missing from ${protoDir}`);
  }
  return definition;
}

function isServiceDefinition(value: object): value is ServiceDefinition<UntypedServiceImplementation> {
  return Object.values(value).every((method: unknown) => typeof method === 'object' && method !== null && 'path' in method);
}
