namespace Onnxc.Passes.Quantization.Mixed;

/// <summary>The precisions a linear layer's weight can take, from most to least exact.</summary>
public enum Precision
{
    Fp32,
    Int8,
    Int4,
}

/// <summary>Names used in reports and on the command line.</summary>
public static class Precisions
{
    public static string Label(this Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Int8 => "int8",
        Precision.Int4 => "int4",
        _ => precision.ToString(),
    };
}
