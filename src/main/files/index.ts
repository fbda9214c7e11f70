export { writeDurably } from './write-durably';
