// The wire contract both sides share (volume-client/wire): DVID's point, box and dims grammar
// with the words DVID refuses bad ones with, the block grid, and the extension names.
import { describe, expect, it } from "@jest/globals";
import { alignBoxOut, blockRange, blockSpan, isBlockAligned } from "../../volume-client/wire/block-grid.js";
import { NONALIGNED_RAW_POST, formatExtensions, isQueryFlagOn, parseExtensions } from "../../volume-client/wire/extensions.js";
import { isInt32 } from "../../volume-client/wire/int32.js";
import { parsePoint } from "../../volume-client/wire/point.js";
import { describeRawBox, parseDataShape, parseRawBox, parseRawSlice, rawVolumePath } from "../../volume-client/wire/raw-url.js";

describe("points (dvid.StringToPoint)", () => {
  it("reads integers separated by _ or , as int32", () => {
    expect(parsePoint("1_-2_+3")).toEqual({ ok: true, value: [1, -2, 3] });
    expect(parsePoint("7,8")).toEqual({ ok: true, value: [7, 8] });
    expect(parsePoint("-2147483648_2147483647")).toEqual({ ok: true, value: [-(2 ** 31), 2 ** 31 - 1] });
  });

  it("refuses with Go's strconv texts: invalid syntax, value out of range", () => {
    expect(parsePoint("8_x_8")).toEqual({ ok: false, error: 'strconv.ParseInt: parsing "x": invalid syntax' });
    expect(parsePoint("")).toEqual({ ok: false, error: 'strconv.ParseInt: parsing "": invalid syntax' });
    expect(parsePoint("8.5_1")).toEqual({ ok: false, error: 'strconv.ParseInt: parsing "8.5": invalid syntax' });
    expect(parsePoint("0_2147483648")).toEqual({ ok: false, error: 'strconv.ParseInt: parsing "2147483648": value out of range' });
  });

  it("int32 bounds are DVID's coordinate range", () => {
    expect([isInt32(2 ** 31 - 1), isInt32(-(2 ** 31)), isInt32(2 ** 31), isInt32(1.5), isInt32("1")]).toEqual([true, true, false, false, false]);
  });
});

describe("raw URLs (…/raw/<dims>/<size>/<offset>)", () => {
  it("reads DVID's dims spellings in any case and refuses others in DVID's words", () => {
    expect(["0_1_2", "VOL", "0,1,2", "xy", "0_2", "1_2"].map((d) => parseDataShape(d))).toEqual(
      ["3d", "3d", "3d", "xy", "xz", "yz"].map((value) => ({ ok: true, value })),
    );
    expect(parseDataShape("0_1_3")).toEqual({ ok: false, error: "Unknown data shape specification (0_1_3)" });
  });

  it("reads a 3-D box x first and refuses wrong dimensions and illegal geometry in DVID's words", () => {
    expect(parseRawBox("4_5_6", "-1_2_3")).toEqual({ ok: true, value: { x0: -1, y0: 2, z0: 3, nx: 4, ny: 5, nz: 6 } });
    expect(parseRawBox("8_8", "0_0_0")).toEqual({ ok: false, error: "Size must be 3 (not 2) dimensions" });
    expect(parseRawBox("8_8_8", "0_0")).toEqual({ ok: false, error: "Offset must be 3d coordinate, not 2-d coordinate" });
    expect(parseRawBox("8_0_8", "0_0_0")).toEqual({ ok: false, error: "Illegal geometry requested: 3d volume (8,0,8) at offset (0,0,0)" });
    expect(parseRawBox("8_8_8", "2147483647_0_0")).toMatchObject({ ok: false, error: expect.stringContaining("Illegal geometry requested") });
  });

  it("reads a 2-D slice as the one-voxel-thick box it reads", () => {
    expect(parseRawSlice("xz", "10_20", "1_2_3")).toEqual({ ok: true, value: { box: { x0: 1, y0: 2, z0: 3, nx: 10, ny: 1, nz: 20 }, width: 10, height: 20 } });
    expect(parseRawSlice("yz", "10_20_1", "1_2_3")).toEqual({ ok: false, error: "Size must be 2 (not 3) dimensions for a 2d slice" });
  });

  it("writes a ZYX box x first, and describes a box as DVID does", () => {
    expect(rawVolumePath("abc:master", "gr ay", [[1, 3], [4, 7], [-8, 0]])).toBe("/api/node/abc:master/gr%20ay/raw/0_1_2/8_3_2/-8_4_1");
    expect(describeRawBox({ x0: 1, y0: 2, z0: 3, nx: 4, ny: 5, nz: 6 })).toBe("3d volume (4,5,6) at offset (1,2,3)");
  });
});

describe("the block grid", () => {
  it("rounds block coordinates down, so voxel -1 lies in block -1", () => {
    expect(blockSpan(-1, 1, 32)).toEqual([-1, 1]);
    expect(blockSpan(0, 32, 32)).toEqual([0, 1]);
    expect(blockSpan(-64, -32, 32)).toEqual([-2, -1]);
    expect(blockRange([[0, 1], [-33, 0], [31, 33]], [16, 32, 32])).toEqual([[0, 1], [-2, 0], [0, 2]]);
  });

  it("aligns boxes outwards to whole blocks and tells an aligned box", () => {
    expect(alignBoxOut([[1, 2], [-1, 31], [32, 64]], [8, 32, 32])).toEqual([[0, 8], [-32, 32], [32, 64]]);
    expect(isBlockAligned([[0, 8], [-32, 32], [32, 64]], [8, 32, 32])).toBe(true);
    expect(isBlockAligned([[0, 8], [-32, 31], [32, 64]], [8, 32, 32])).toBe(false);
  });
});

describe("extensions", () => {
  it("lists and reads the names of server info's Extensions", () => {
    expect(formatExtensions([NONALIGNED_RAW_POST, "other"])).toBe("nonaligned-raw-post,other");
    expect(parseExtensions("nonaligned-raw-post, other  more")).toEqual(new Set(["nonaligned-raw-post", "other", "more"]));
    expect(parseExtensions(undefined)).toEqual(new Set());
  });

  it("reads a query flag as on for true, 1 or on in any case", () => {
    expect(["true", "TRUE", "1", "on", "false", "0", "", null].map(isQueryFlagOn)).toEqual([true, true, true, true, false, false, false, false]);
  });
});
