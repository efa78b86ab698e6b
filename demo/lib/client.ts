/** A typed unary client for one backend, taking its channel from a ChannelSource per call. */
import { Metadata, status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ChannelSource } from './channels.ts';
import { serviceDefinition } from './proto.ts';
import { RpcError } from './rpc-server.ts';
import type { ServiceName } from './services.ts';
import type { ShopMethods } from './types.ts';

type RequestOf<T> = T extends [infer Req, unknown] ? Req : never;
type ResponseOf<T> = T extends [unknown, infer Res] ? Res : never;

/** Told about every finished call: backend, method, whether it succeeded, and its duration in seconds. */
export type CallObserver = (service: ServiceName, method: string, ok: boolean, seconds: number) => void;

export class ServiceClient<S extends ServiceName> {
  private readonly methods: ServiceDefinition<UntypedServiceImplementation>;

  constructor(
    readonly service: S,
    private readonly source: ChannelSource,
    private readonly deadlineMs: number,
    private readonly observer?: CallObserver,
  ) {
    this.methods = serviceDefinition(service);
  }

  call<M extends keyof ShopMethods[S] & string>(
    method: M,
    request: RequestOf<ShopMethods[S][M]>,
  ): Promise<ResponseOf<ShopMethods[S][M]>> {
    const definition = this.methods[method];
    if (definition === undefined) {
      return Promise.reject(new RpcError(status.UNIMPLEMENTED, `${this.service}-service has no method ${method}`));
    }
    const { client, done } = this.source.lease();
    const started = performance.now();
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest<RequestOf<ShopMethods[S][M]>, ResponseOf<ShopMethods[S][M]>>(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (err, response) => {
          done();
          this.observer?.(this.service, method, !err && response !== undefined, (performance.now() - started) / 1000);
          if (err) reject(err);
          else if (response === undefined) reject(new RpcError(status.INTERNAL, `${definition.path}: empty response`));
          else resolve(response);
        },
      );
    });
  }
}
