namespace Margin.Testing;

/// <summary>Finds the repository root (the folder holding MarginFunctions.sln) from the running assembly.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root.</summary>
    /// <exception cref="InvalidOperationException">No MarginFunctions.sln above the running assembly.</exception>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MarginFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MarginFunctions.sln was not found above {AppContext.BaseDirectory}");
    }
}
