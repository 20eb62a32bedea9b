namespace MimmoServe.Onnx;

/// <summary>
/// A model's metadata as ONNX Runtime reads it: the standard fields and the whole custom map (ONNX
/// <c>metadata_props</c>: keys and values, any UTF-8, JSON included). Immutable; read once per session.
/// </summary>
public sealed class ModelMetadata
{
    internal ModelMetadata(string producerName, string graphName, string domain, string description, string graphDescription, long version, Dictionary<string, string> customMetadata)
    {
        ProducerName = producerName;
        GraphName = graphName;
        Domain = domain;
        Description = description;
        GraphDescription = graphDescription;
        Version = version;
        CustomMetadata = customMetadata.AsReadOnly();
    }

    /// <summary>ONNX <c>producer_name</c>; "" when absent.</summary>
    public string ProducerName { get; }

    /// <summary>Name of the main graph.</summary>
    public string GraphName { get; }

    /// <summary>ONNX model <c>domain</c>.</summary>
    public string Domain { get; }

    /// <summary>ONNX model <c>doc_string</c>.</summary>
    public string Description { get; }

    /// <summary>The main graph's <c>doc_string</c>.</summary>
    public string GraphDescription { get; }

    /// <summary>ONNX <c>model_version</c>; 0 when absent.</summary>
    public long Version { get; }

    /// <summary>Every custom metadata entry, keys compared ordinally.</summary>
    public IReadOnlyDictionary<string, string> CustomMetadata { get; }
}
