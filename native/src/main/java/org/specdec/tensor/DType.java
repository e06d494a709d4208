package org.specdec.tensor;

/** Storage dtypes of weights; the forward pass converts to F32 on the fly, never wholesale. */
public enum DType {
    F32(4, "F32"),
    F16(2, "F16"),
    BF16(2, "BF16");

    private final int bytes;
    private final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    public int bytes() {
        return bytes;
    }

    /** The dtype string used in safetensors headers ("F32", "F16", "BF16"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Parses a safetensors dtype string; returns null for dtypes this runtime does not run. */
    public static DType fromSafetensors(String s) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(s)) {
                return d;
            }
        }
        return null;
    }

    /** Parses a user-facing name such as "f32", "float16", "bf16". */
    public static DType parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32": case "float32": case "fp32": return F32;
            case "f16": case "float16": case "fp16": case "half": return F16;
            case "bf16": case "bfloat16": return BF16;
            default: throw new IllegalArgumentException("unknown dtype '" + s + "' (use f32, f16 or bf16)");
        }
    }
}
