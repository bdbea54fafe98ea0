/**
 * A breeze message whose class Meshlet was not told about (read where the descriptor says
 * `java.lang.Object`): its name and its fields by index. Written back as the same message.
 */
export class BreezeMessage {
  constructor(
    readonly name: string,
    readonly fields: Map<number, unknown> = new Map(),
  ) {}
}
