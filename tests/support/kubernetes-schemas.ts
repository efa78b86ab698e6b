/**
 * JSON schemas of the Kubernetes fields the generated ConfigMaps, Deployment, Service and the
 * k6-operator TestRun use (types and names as in the Kubernetes API reference and the
 * k6-operator's TestRun CRD), closed to other fields, so a misspelled field fails the test.
 */
import type { Schema } from './prometheus-operator-crds.ts';

const str = { type: 'string' };
const int = { type: 'integer' };
const closed = (properties: Record<string, unknown>, required: string[] = []): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const stringMap = { type: 'object', additionalProperties: str };
/** DNS-1123 subdomain, as object names must be. */
const dnsName = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 };
const metadata = closed({ name: dnsName, namespace: dnsName, labels: stringMap, annotations: stringMap }, ['name']);
const intOrString = { anyOf: [int, str] };
const httpProbe = closed({ httpGet: closed({ path: str, port: intOrString }, ['port']), periodSeconds: int, failureThreshold: int });
const envVar = closed(
  { name: str, value: str, valueFrom: closed({ fieldRef: closed({ fieldPath: str }, ['fieldPath']) }) },
  ['name'],
);
const localRef = closed({ name: dnsName, optional: { type: 'boolean' } }, ['name']);
const envFromSource = closed({ prefix: str, configMapRef: localRef, secretRef: localRef });
const container = closed(
  {
    name: str,
    image: str,
    args: { type: 'array', items: str },
    env: { type: 'array', items: envVar },
    ports: { type: 'array', items: closed({ name: { type: 'string', maxLength: 15 }, containerPort: int, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['containerPort']) },
    readinessProbe: httpProbe,
    livenessProbe: httpProbe,
    volumeMounts: { type: 'array', items: closed({ name: str, mountPath: str, readOnly: { type: 'boolean' } }, ['name', 'mountPath']) },
  },
  ['name', 'image'],
);

const top = (apiVersion: string, kind: string, body: Record<string, unknown>, required: string[]): Schema =>
  closed({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, ...body }, ['apiVersion', 'kind', 'metadata', ...required]);

export const kubernetesSchemas: Record<string, Schema> = {
  'v1/ConfigMap': top('v1', 'ConfigMap', { data: { type: 'object', propertyNames: { pattern: '^[-._a-zA-Z0-9]+$' }, additionalProperties: str } }, ['data']),
  'v1/Service': top(
    'v1',
    'Service',
    { spec: closed({ selector: stringMap, ports: { type: 'array', minItems: 1, items: closed({ name: str, port: int, targetPort: intOrString, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['port']) } }, ['ports']) },
    ['spec'],
  ),
  'apps/v1/Deployment': top(
    'apps/v1',
    'Deployment',
    {
      spec: closed(
        {
          replicas: int,
          selector: closed({ matchLabels: stringMap }, ['matchLabels']),
          template: closed(
            {
              metadata: closed({ labels: stringMap }),
              spec: closed({ containers: { type: 'array', minItems: 1, items: container }, volumes: { type: 'array', items: closed({ name: str, configMap: closed({ name: str }, ['name']) }, ['name']) } }, ['containers']),
            },
            ['metadata', 'spec'],
          ),
        },
        ['selector', 'template'],
      ),
    },
    ['spec'],
  ),
  'k6.io/v1alpha1/TestRun': top(
    'k6.io/v1alpha1',
    'TestRun',
    {
      spec: closed(
        {
          parallelism: { type: 'integer', minimum: 1 },
          script: closed({ configMap: closed({ name: str, file: str }, ['name', 'file']) }, ['configMap']),
          arguments: str,
          // envFrom as in the k6-operator's TestRun CRD (config/crd/bases/k6.io_testruns.yaml: corev1.EnvFromSource).
          runner: closed({ env: { type: 'array', items: envVar }, envFrom: { type: 'array', items: envFromSource } }),
        },
        ['parallelism', 'script'],
      ),
    },
    ['spec'],
  ),
};
