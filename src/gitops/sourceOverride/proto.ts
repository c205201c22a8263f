import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/**
 * Kluctl's `pkg/sourceoverride/sourceoverride.proto`, unchanged from v2.22.0 to v2.28.2. Kept as text and parsed
 * at runtime so the bundle needs no .proto file on disk.
 */
export const SOURCE_OVERRIDE_PROTO = `
syntax = "proto3";
package sourceoverride;

service Proxy {
  rpc ProxyStream(stream ProxyResponse) returns (stream ProxyRequest) {}
  rpc ResolveOverride(ProxyRequest) returns (ResolveOverrideResponse) {}
}

message ProxyResponse {
  AuthMsg auth = 1;
  optional ResolveOverrideResponse response = 2;
}

message ProxyRequest {
  AuthMsg auth = 1;
  optional ResolveOverrideRequest request = 2;
}

message AuthMsg {
  optional bytes pubKey = 1;
  optional bytes challenge = 2;
  optional bytes pop = 3;
  optional string authError = 4;
  optional string pubKeyHash = 5;
  optional bytes controllerSecret = 6;
}

message ResolveOverrideRequest {
  string repoKey = 1;
}

message ResolveOverrideResponse {
  optional string error = 1;
  optional bytes artifact = 2;
}
`;

/** Fields absent on the wire are absent here (`defaults: false`), so `authError: ""` and a missing one differ. */
export interface AuthMsg {
  /** SPKI DER of the client's ECDSA public key. */
  pubKey?: Buffer;
  challenge?: Buffer;
  /** DER ECDSA signature over SHA-256(SHA-256(pubKey) ‖ challenge). */
  pop?: Buffer;
  authError?: string;
  /** Lowercase hex of SHA-256(pubKey): the server id. */
  pubKeyHash?: string;
  controllerSecret?: Buffer;
}

export interface ResolveOverrideRequest {
  repoKey: string;
}

/** Neither field set means "no override for this repository". */
export interface ResolveOverrideResponse {
  error?: string;
  artifact?: Buffer;
}

/** Controller → client on the ProxyStream. */
export interface ProxyRequest {
  auth?: AuthMsg;
  request?: ResolveOverrideRequest;
}

/** Client → controller on the ProxyStream. */
export interface ProxyResponse {
  auth?: AuthMsg;
  response?: ResolveOverrideResponse;
}

export const PROXY_SERVICE_NAME = 'sourceoverride.Proxy';

let serviceDefinition: grpc.ServiceDefinition | undefined;

/** The `sourceoverride.Proxy` service with its (de)serialisers. */
export function proxyServiceDefinition(): grpc.ServiceDefinition {
  if (!serviceDefinition) {
    const root = protobuf.parse(SOURCE_OVERRIDE_PROTO, { keepCase: true }).root;
    const packageDefinition = fromJSON(root.toJSON(), {
      keepCase: true,
      defaults: false,
      oneofs: false,
      longs: String,
    });
    serviceDefinition = packageDefinition[PROXY_SERVICE_NAME] as grpc.ServiceDefinition;
  }
  return serviceDefinition;
}

export type ProxyStreamCall = grpc.ClientDuplexStream<ProxyResponse, ProxyRequest>;

interface ProxyClientShape {
  ProxyStream(metadata?: grpc.Metadata, options?: grpc.CallOptions): ProxyStreamCall;
}

export type ProxyClient = grpc.Client & ProxyClientShape;

export function createProxyClient(
  target: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions,
): ProxyClient {
  const Client = grpc.makeGenericClientConstructor(proxyServiceDefinition(), 'Proxy');
  return new Client(target, credentials, options) as unknown as ProxyClient;
}
