using MimmoServe.Onnx;
using MimmoServe.Serving.Batching;
using MimmoServe.Serving.Contract;
using MimmoServe.Serving.Ensembles;
using MimmoServe.Serving.Errors;
using MimmoServe.Serving.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MimmoServe.Serving.Repository;

/// <summary>
/// The served models: every <c>&lt;directory&gt;/&lt;name&gt;/model.onnx</c>, each with its optional config.json,
/// contract-checked, given a session on its provider and warmed up (one run per supported k) before it is listed.
/// A model that fails is reported in <see cref="Failures"/> by name and does not stop the others. Immutable once
/// loaded; thread-safe.
/// </summary>
public sealed class ModelRepository : IAsyncDisposable
{
    public const string ModelFileName = "model.onnx";

    private readonly Dictionary<string, ServedModel> _byName;

    private ModelRepository(string directory, ServedModel[] models, ModelLoadFailure[] failures, ServedModel? defaultModel)
    {
        Directory = directory;
        Models = Array.AsReadOnly(models);
        Failures = Array.AsReadOnly(failures);
        DefaultModel = defaultModel;
        _byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    /// <summary>The full path of the model folder.</summary>
    public string Directory { get; }

    /// <summary>The served models, ordered by name (ordinal).</summary>
    public IReadOnlyList<ServedModel> Models { get; }

    /// <summary>The folders with a model.onnx that could not be served, and why.</summary>
    public IReadOnlyList<ModelLoadFailure> Failures { get; }

    /// <summary>The model for requests that name none; null when nothing loaded.</summary>
    public ServedModel? DefaultModel { get; }

    /// <summary>Loads, checks and warms up every model. Call once at start-up.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidOperationException">The configured default model was not loaded.</exception>
    /// <exception cref="OrtLibraryException">ONNX Runtime itself cannot be loaded.</exception>
    public static async Task<ModelRepository> LoadAsync(
        ModelRepositoryOptions options, OnnxRuntime runtime, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runtime);
        options.Validate();
        time ??= TimeProvider.System;
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<ModelRepository>();
        var directory = Path.GetFullPath(options.Directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The model folder '{directory}' does not exist; expected <folder>/<name>/{ModelFileName}.");
        }

        var models = new List<ServedModel>();
        var failures = new List<ModelLoadFailure>();
        foreach (var folder in System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(folder);
            var path = Path.Combine(folder, ModelFileName);
            if (!File.Exists(path))
            {
                RepositoryLog.Skipped(logger, folder);
                continue;
            }

            try
            {
                // Session creation and warm-up are synchronous native work: keep them off the caller's thread.
                models.Add(await Task.Run(() => Load(name, path, options, runtime, loggerFactory, time), cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OrtLibraryException and not OperationCanceledException)
            {
                RepositoryLog.Failed(logger, name, path, e.Message);
                failures.Add(new ModelLoadFailure(name, path, e.Message));
            }
        }

        var defaultModel = ChooseDefault(options, models, failures);
        RepositoryLog.Ready(logger, models.Count, directory, defaultModel?.Name);
        return new ModelRepository(directory, [.. models], [.. failures], defaultModel);
    }

    /// <summary>The model named <paramref name="name"/>; null or "" for the default model.</summary>
    /// <exception cref="ServingException">NotFound, naming the served models.</exception>
    public ServedModel Get(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return DefaultModel ?? throw new ServingException(ServingErrorKind.NotFound, "No model is loaded, so there is no default model.");
        }

        return _byName.TryGetValue(name, out var model) ? model : throw ServingErrors.ModelNotFound(name, _byName.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary><see cref="ServedModel.PredictAsync"/> on the model the input names.</summary>
    public Task<Prediction> PredictAsync(PredictInput input, DateTimeOffset? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Get(input.Model).PredictAsync(input, deadline, cancellationToken);
    }

    /// <summary>Every model stops accepting requests and completes its queued ones.</summary>
    public Task StopAsync() => Task.WhenAll(Models.Select(m => m.StopAsync()));

    /// <summary>The shutdown grace ended: every model fails its queued requests Unavailable and stops its runs.</summary>
    /// <returns>How many queued requests were failed.</returns>
    public int Abort() => Models.Sum(m => m.Abort());

    public async ValueTask DisposeAsync()
    {
        foreach (var model in Models)
        {
            await model.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ServedModel Load(string name, string path, ModelRepositoryOptions options, OnnxRuntime runtime, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var logger = loggerFactory.CreateLogger<ModelRepository>();
        var config = ModelConfigReader.ReadFile(Path.Combine(Path.GetDirectoryName(path)!, ModelConfig.FileName));
        OnnxSessionOptions SessionOptions(ExecutionProvider provider) => new()
        {
            ExecutionProvider = provider,
            IntraOpThreads = ModelConfig.IntraOpThreadsFor(options.IntraOpThreads ?? config.IntraOpThreads, Environment.ProcessorCount),
            InterOpThreads = options.InterOpThreads ?? config.InterOpThreads,
        };

        var session = runtime.CreateSession(path, SessionOptions(options.ExecutionProvider ?? config.ExecutionProvider));
        StageSessions? stages = null;
        try
        {
            var provider = session.ExecutionProvider;
            if (provider.FellBack)
            {
                RepositoryLog.ProviderFellBack(logger, name, provider.Requested, provider.Actual, provider.Reason);
            }

            var contract = ContractReader.Read(session, config.ContractOverrides);
            config.Validate(contract);
            var batcherLogger = loggerFactory.CreateLogger<ModelBatcher>();
            var runner = new FailoverBatchRunner(
                new OnnxBatchRunner(session, name, config.RunTimeout, time),
                () => new OnnxBatchRunner(runtime.CreateSession(path, SessionOptions(Onnx.ExecutionProvider.Cpu)), name, config.RunTimeout, time),
                name, options.BreakOnCpu, time, batcherLogger);
            if (contract.Stages is not null)
            {
                // Every later stage on the same options and provider as stage 0.
                stages = StageSessions.Open(contract, Path.GetDirectoryName(path)!, file => runtime.CreateSession(file, SessionOptions(options.ExecutionProvider ?? config.ExecutionProvider)));
            }

            // The completion strategy is chosen here, once: plain models unbind, staged ones settle exits.
            IRunCompletion completion = stages is null
                ? new PlainCompletion(name, contract, time)
                : new StagedCompletion(new StagePipeline(name, contract, stages, config, time, batcherLogger), contract);
            var batcher = new ModelBatcher(name, contract, config, runner, completion, time, batcherLogger);

            var started = time.GetTimestamp();
            batcher.WarmUp();
            runner.StartServing();
            var warmUp = time.GetElapsedTime(started);
            // After warm-up, so that the metrics count served requests only.
            batcher.Metrics = options.Metrics;
            batcher.Start();
            var model = new ServedModel(name, path, contract, config, session, batcher, time) { Failover = runner, Stages = stages };
            options.Metrics?.Register(model);
            RepositoryLog.Loaded(logger, name, path, contract.Family, contract.Slots, contract.Exits, contract.NumClasses,
                string.Join(", ", contract.EnsembleSizes), model.DefaultEnsembleSize, provider.Actual, warmUp.TotalMilliseconds);
            return model;
        }
        catch
        {
            stages?.Dispose();
            session.Dispose();
            throw;
        }
    }

    private static ServedModel? ChooseDefault(ModelRepositoryOptions options, List<ServedModel> models, List<ModelLoadFailure> failures)
    {
        if (options.DefaultModel is not { } wanted)
        {
            return models.Count > 0 ? models[0] : null;
        }

        return models.Find(m => m.Name == wanted) ?? throw new InvalidOperationException(
            failures.Find(f => f.Name == wanted) is { } failure
                ? $"The default model '{wanted}' could not be loaded: {failure.Reason}"
                : $"The default model '{wanted}' is not in the model folder; served: {string.Join(", ", models.Select(m => m.Name))}.");
    }
}
