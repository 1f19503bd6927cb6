import { describe, expect, it } from "@jest/globals";
import * as volumeClient from "../../volume-client/index.js";

describe("the volume-client entry point", () => {
  it("exports the runtime API the README documents and nothing else", () => {
    expect(Object.keys(volumeClient).sort()).toEqual(
      ["DTYPES", "DvidClient", "KeyValue", "Version", "Volume", "VolumeClientError", "connect", "isVolumeClientError"].sort(),
    );
  });
});
