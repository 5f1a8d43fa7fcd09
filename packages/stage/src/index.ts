export * from './clients.ts';
export * from './moto-server.ts';
export * from './provision.ts';
export * from './rehearsal.ts';
