namespace AgentCoherence.Tests.Docs;

/// <summary>
/// README.md and docs/ are part of the product: every relative link (and its #anchor) resolves inside the
/// repository, and every C# example compiles against the packages it shows. A block marked
/// <c>&lt;!-- fragment --&gt;</c> on the line before its fence is only parsed.
/// </summary>
public sealed class DocumentationTests
{
    public static TheoryData<string> Pages() => [.. DocsRepository.Pages()];

    // The packages' own READMEs are their nuget.org pages: their links are absolute (checked by .ci/pack.sh), their
    // examples are compiled here like the docs'.
    public static TheoryData<string> PackageReadmes() => [.. DocsRepository.PackageReadmes()];

    [Fact]
    public void The_docs_folder_holds_the_pages_the_README_promises()
    {
        var pages = DocsRepository.Pages();

        foreach (var page in new[] { "docs/protocol.md", "docs/configuration.md", "docs/operations.md", "docs/testing.md" })
        {
            Assert.Contains(page, pages);
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_resolves_inside_the_repository(string page)
    {
        var document = DocsRepository.Load(page);

        var broken = DocsRepository.BrokenLinks(document, DocsRepository.Root, page, LoadIfPage);

        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    [MemberData(nameof(PackageReadmes))]
    public void Every_csharp_example_compiles(string page)
    {
        var document = DocsRepository.Load(page);

        var errors = document.Blocks
            .Where(b => b.IsCSharp)
            .SelectMany(b => b.IsFragment ? ExampleCompiler.SyntaxErrors(b.Code, page, b.Line) : ExampleCompiler.Errors(b.Code, page, b.Line))
            .ToList();

        Assert.True(errors.Count == 0, "Examples that do not compile:\n" + string.Join('\n', errors));
    }

    [Fact]
    public void The_link_check_reports_a_missing_file_a_missing_anchor_and_a_link_out_of_the_repository()
    {
        var document = MarkdownDocument.Parse("docs/page.md", """
            # Page
            [fine](../README.md) [gone](missing.md) [no anchor](#nowhere) [escape](../../outside.md)
            [also fine](#page) `[in code](missing-too.md)` [web](https://example.com/x.md)
            """);

        var broken = DocsRepository.BrokenLinks(document, DocsRepository.Root, "docs/page.md", LoadIfPage);

        Assert.Equal(3, broken.Count);
        Assert.Contains(broken, b => b.Contains("(missing.md)", StringComparison.Ordinal) && b.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("#nowhere", StringComparison.Ordinal));
        Assert.Contains(broken, b => b.Contains("outside the repository", StringComparison.Ordinal));
    }

    [Fact]
    public void The_example_check_reports_a_block_that_does_not_compile_with_its_line()
    {
        var document = MarkdownDocument.Parse("README.md", """
            Some text.

            ```csharp
            using AgentCoherence;

            await using var coherence = CoherenceClient.CreateInMemory();
            await using var agent = coherence.Agent("planner");
            await agent.WriteTheWrongThingAsync("plan.md", "text");
            ```
            """);

        var block = Assert.Single(document.Blocks);
        var errors = ExampleCompiler.Errors(block.Code, "README.md", block.Line);

        var error = Assert.Single(errors);
        Assert.StartsWith("README.md:8: CS1061", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fragment_is_parsed_but_not_compiled()
    {
        var document = MarkdownDocument.Parse("README.md", """
            <!-- fragment -->
            ```csharp
            await agent.WriteAsync("plan.md", "text");
            ```

            <!-- fragment -->
            ```csharp
            await agent.WriteAsync("plan.md", "text";
            ```
            """);

        Assert.All(document.Blocks, b => Assert.True(b.IsFragment));
        Assert.Empty(ExampleCompiler.SyntaxErrors(document.Blocks[0].Code, "README.md", document.Blocks[0].Line));
        Assert.NotEmpty(ExampleCompiler.SyntaxErrors(document.Blocks[1].Code, "README.md", document.Blocks[1].Line));
    }

    [Theory]
    [InlineData("The two commands", "the-two-commands")]
    [InlineData("`coherence demo`", "coherence-demo")]
    [InlineData("Redis: one directory for coordinators on many hosts", "redis-one-directory-for-coordinators-on-many-hosts")]
    [InlineData("MCP server: `coherence-mcp`", "mcp-server-coherence-mcp")]
    [InlineData("Faults: lost replies, retries and the client", "faults-lost-replies-retries-and-the-client")]
    [InlineData("Kafka — `Transport:Kafka`", "kafka--transportkafka")]
    [InlineData("Read a [linked](x.md) snake_case name", "read-a-linked-snake_case-name")]
    public void Anchors_follow_GitHubs_heading_rules(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownDocument.Slug(heading));

    [Fact]
    public void Repeated_headings_get_numbered_anchors()
    {
        var document = MarkdownDocument.Parse("x.md", "# Limits\n## Limits\n### Limits\n");

        Assert.Equal(["limits", "limits-1", "limits-2"], document.Anchors.Order(StringComparer.Ordinal));
    }

    private static MarkdownDocument? LoadIfPage(string page) =>
        File.Exists(Path.Combine(DocsRepository.Root, page)) ? DocsRepository.Load(page) : null;
}
