// ari-client and asterisk-manager ship no types; the adapters below are the only code that touches them.
declare module 'ari-client' {
  const ari: { connect(url: string, user: string, password: string): Promise<any> };
  export default ari;
}
declare module 'asterisk-manager' {
  const AsteriskManager: new (port: number, host: string, user: string, password: string, events: boolean) => any;
  export default AsteriskManager;
}
