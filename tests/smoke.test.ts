import { describe, it, expect } from "@jest/globals";
import got from "got";
describe("smoke", () => { it("loads got in ESM", () => { expect(typeof got.extend).toBe("function"); }); });
