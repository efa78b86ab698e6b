/** What every generated Kubernetes object shares: metadata with the namespace and common labels. */
import { kubernetes } from '../../config/kubernetes.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function object(apiVersion: string, kind: string, name: string, body: Record<string, unknown>, labels: Record<string, string> = {}): K8sObject {
  return { apiVersion, kind, metadata: { name, namespace: kubernetes.namespace, labels: { ...kubernetes.commonLabels, ...labels } }, ...body };
}
