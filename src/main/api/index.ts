export { ApiService, type ServiceDeps } from './service';
export {
  HttpTransport,
  CONTENT_SECURITY_POLICY,
  TOKEN_COOKIE,
  type HttpTransportOptions,
} from './http-transport';
export { attachIpcTransport, type IpcTransportOptions } from './ipc-transport';
