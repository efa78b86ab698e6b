/**
 * The shop's backends, their ports and who dials whom. Names follow the Go system the demo
 * imitates: pool keys in the health JSON are `<name>-service`.
 */
import { demoShopPorts, ports } from '../../monitoring/config/stack.ts';

export const serviceNames = ['user', 'product', 'order', 'payment', 'inventory', 'notification'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** gRPC service name inside package shop.v1 (demo/proto/<name>.proto). */
export const grpcServiceOf: Record<ServiceName, string> = {
  user: 'UserService',
  product: 'ProductService',
  order: 'OrderService',
  payment: 'PaymentService',
  inventory: 'InventoryService',
  notification: 'NotificationService',
};

/** Who holds a pool to whom: the gateway to all six, order to five, payment to two. */
export const poolsOf = {
  gateway: ['user', 'product', 'order', 'payment', 'inventory', 'notification'],
  order: ['user', 'product', 'inventory', 'payment', 'notification'],
  payment: ['order', 'notification'],
} as const satisfies Record<string, readonly ServiceName[]>;

export const poolKey = (service: ServiceName): string => `${service}-service`;

export function isServiceName(value: string): value is ServiceName {
  return (serviceNames as readonly string[]).includes(value);
}

/** Accepts `order` and `order-service`. */
export function parseServiceName(value: string): ServiceName | undefined {
  const name = value.endsWith('-service') ? value.slice(0, -'-service'.length) : value;
  return isServiceName(name) ? name : undefined;
}

export interface ShopPorts {
  gateway: number;
  admin: number;
  health: Record<ServiceName, number>;
  grpc: Record<ServiceName, number>;
}

export const defaultShopPorts: ShopPorts = {
  gateway: ports.demoGateway,
  admin: demoShopPorts.admin,
  health: { ...demoShopPorts.health },
  grpc: { ...demoShopPorts.grpc },
};
