/** The values and messages of dbus-wire.cts (types only). */
export type Value = number | boolean | string | Buffer | Variant | readonly Value[];
export interface Variant {
  readonly sig: string;
  readonly value: Value;
}

export interface Message {
  readonly type: number;
  readonly flags: number;
  readonly serial: number;
  readonly path?: string;
  readonly interface?: string;
  readonly member?: string;
  readonly errorName?: string;
  readonly replySerial?: number;
  readonly destination?: string;
  readonly sender?: string;
  readonly signature: string;
  readonly body: Value[];
}

export type Outgoing = Omit<Message, 'signature' | 'body' | 'flags'> & { readonly flags?: number; readonly signature?: string; readonly body?: readonly Value[] };

