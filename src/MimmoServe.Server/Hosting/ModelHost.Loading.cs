using MimmoServe.Protocol;
using MimmoServe.Grpc.Health.V1;
using MimmoServe.Onnx;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Services;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Hosting;

internal sealed partial class ModelHost
{
    private const HealthCheckResponse.Types.ServingStatus NotServing = HealthCheckResponse.Types.ServingStatus.NotServing;
    private const HealthCheckResponse.Types.ServingStatus Serving = HealthCheckResponse.Types.ServingStatus.Serving;

    /// <summary>Runs on the thread pool from <see cref="StartAsync"/>; every failure ends in <see cref="Fail"/>.</summary>
    private async Task LoadAsync()
    {
        ModelRepository? repository = null;
        try
        {
            var directory = ModelsDirectory.Resolve(_options.Models)
                ?? throw new DirectoryNotFoundException($"the model folder '{_options.Models}' does not exist; tried {string.Join(", ", ModelsDirectory.Candidates(_options.Models))}.");
            HostLog.Loading(_logger, directory, _options.Provider ?? "from each config.json", Describe(_options.IntraOpThreads), Describe(_options.InterOpThreads));
            var runtime = OnnxRuntime.Initialize(_runtimeOptions);
            HostLog.RuntimeLoaded(_logger, runtime.Version, runtime.ApiVersion, runtime.LibraryPath, string.Join(", ", runtime.AvailableProviders));
            repository = await ModelRepository.LoadAsync(
                new ModelRepositoryOptions
                {
                    Directory = directory,
                    DefaultModel = _options.DefaultModel,
                    ExecutionProvider = _options.ParsedProvider,
                    IntraOpThreads = _options.IntraOpThreads,
                    InterOpThreads = _options.InterOpThreads,
                    Metrics = _metrics,
                    BreakOnCpu = _options.BreakOnCpu,
                },
                runtime, _loggerFactory, _time, _stopping.Token).ConfigureAwait(false);
            if (repository.Failures.Count > 0)
            {
                HostLog.NotServed(_logger, repository.Failures.Count, string.Join("; ", repository.Failures.Select(f => $"{f.Name}: {f.Reason}")));
            }

            if (repository.Models.Count == 0)
            {
                var reason = repository.Failures.Count == 0
                    ? $"no model in {directory}: expected {directory}/<name>/{ModelRepository.ModelFileName}."
                    : $"none of the {repository.Failures.Count} model(s) in {directory} could be loaded (see the errors above).";
                await repository.DisposeAsync().ConfigureAwait(false);
                Fail(reason);
                return;
            }

            if (!Expose(repository))
            {
                // Shutdown began while loading: nothing was served, nothing to drain.
                await repository.DisposeAsync().ConfigureAwait(false);
                _ready.TrySetCanceled();
                return;
            }

            // The repository is visible (and so drained and released by the stop) from here on; health says SERVING
            // only after the server has called itself for a while.
            await _warmup.RunAsync(repository, _stopping.Token).ConfigureAwait(false);
            if (!Publish(repository))
            {
                _ready.TrySetCanceled();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _ready.TrySetCanceled();
        }
        catch (Exception e)
        {
            if (repository is not null)
            {
                await repository.DisposeAsync().ConfigureAwait(false);
            }

            Fail(e.Message);
        }
    }

    /// <summary>Makes the repository visible to calls (health still NOT_SERVING), unless shutdown has begun.</summary>
    private bool Expose(ModelRepository repository)
    {
        lock (_lock)
        {
            if (_stopRequested)
            {
                return false;
            }

            _repository = repository;
            return true;
        }
    }

    /// <summary>Reports SERVING, unless shutdown has begun.</summary>
    private bool Publish(ModelRepository repository)
    {
        lock (_lock)
        {
            if (_stopRequested)
            {
                return false;
            }

            foreach (var model in repository.Models)
            {
                _health.SetStatus(InferenceMethods.HealthName(model.Name), Serving);
            }

            _health.SetStatus(InferenceMethods.ServiceName, Serving);
            _health.SetStatus(Grpc.Health.HealthStatusRegistry.OverallService, Serving);
        }

        HostLog.Serving(_logger, repository.Models.Count, _options.Port == 0 ? "0 (a free port)" : _options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            string.Join(", ", repository.Models.Select(m => m.Name)), repository.DefaultModel?.Name,
            $"\"\", {InferenceMethods.ServiceName}, {InferenceMethods.HealthName("<model>")}");
        _ready.TrySetResult();
        return true;
    }

    private void Fail(string reason)
    {
        HostLog.CannotServe(_logger, reason);
        ExitCode = 1;
        _ready.TrySetException(new InvalidOperationException(reason));
        // Not while the host is still starting (its start would be cancelled and throw): once it has started, or at once if it has.
        _lifetime.ApplicationStarted.Register(_lifetime.StopApplication);
    }

    private static string Describe(int? threads) => threads?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "from each config.json";
}
