/** A recorded resource graph (see recorder.ts) and the look-ups the checks and the stage harness use. */
import { type RecordedResource, token } from './recorder.ts';

export class Graph {
  constructor(readonly resources: readonly RecordedResource[]) {}
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }
  find(type: string, name: string): RecordedResource | undefined {
    return this.resources.find((r) => r.type === type && r.name === name);
  }
  ref(r: RecordedResource, prop: string): string {
    return token(r.type, r.name, prop);
  }
  without(predicate: (r: RecordedResource) => boolean): Graph {
    return new Graph(this.resources.filter((r) => !predicate(r)));
  }
}
