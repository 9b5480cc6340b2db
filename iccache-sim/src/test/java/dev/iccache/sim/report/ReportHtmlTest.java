package dev.iccache.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iccache.api.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportHtmlTest {
    private static final String SVG_NS = "http://www.w3.org/2000/svg";
    private final String html = ReportHtml.render(ResultsFixture.twoRuns());

    @Test
    void isWellFormedXhtml() throws Exception {
        Document doc = parse(html);
        assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("html");
        assertThat(count(html, "<svg ")).isEqualTo(count(html, "</svg>"));
    }

    @Test
    void saysSimulatedWithLabelSeedCommandAndCalibration() {
        assertThat(html).contains("<div class=\"banner\">SIMULATED</div>",
                "<th>seed</th><td>42</td>", "iccache bench --workload nq-open", "config/calibration.yaml",
                "real embedder, store, selector", "nq-open: history 1800", "rate sweep point");
        assertThat(html).contains("<details>", "<code>latency.small.tokens_per_s</code></td><td>95.5",
                "<code>quality_gap[1]</code></td><td>0.25");
        assertThat(html).contains("SIMULATED · seed 42</text>"); // every plot carries the label
        assertThat(count(html, "SIMULATED · seed 42</text>")).isEqualTo(11);
    }

    @Test
    void escapesText() {
        assertThat(html).doesNotContain("<script");
        assertThat(html).contains("examples &amp; routing &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    }

    @Test
    void onePlotOfEachKindPerRunAndOneSweepPlot() throws Exception {
        for (String kind : new String[] {"quality-throughput", "latency-cdf", "ttft-cdf", "offload-over-time",
                "large-load-over-time"}) {
            assertThat(count(html, "data-kind=\"" + kind + "\"")).as(kind).isEqualTo(2);
        }
        assertThat(count(html, "data-kind=\"throughput-vs-rate\"")).isEqualTo(1);
        NodeList svgs = parse(html).getElementsByTagNameNS(SVG_NS, "svg");
        assertThat(svgs.getLength()).isEqualTo(11);
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            assertThat(svg.getElementsByTagNameNS(SVG_NS, "polyline").getLength()
                    + svg.getElementsByTagNameNS(SVG_NS, "circle").getLength())
                    .as(svg.getAttribute("data-kind")).isPositive();
        }
        assertThat(ReportHtml.render(ResultsFixture.oneRun())).doesNotContain("throughput-vs-rate");
    }

    @Test
    void qualityPlotHasALabelledPointPerPolicyAndTheFrontierAsALine() throws Exception {
        Element plot = plots(parse(html), "quality-throughput");
        assertThat(plot.getElementsByTagNameNS(SVG_NS, "circle").getLength()).isEqualTo(3 + 3); // policies + frontier
        assertThat(plot.getElementsByTagNameNS(SVG_NS, "polyline").getLength()).isEqualTo(1);
        assertThat(plot.getTextContent()).contains("always-large", "always-small", "iccache (+ frontier)");
    }

    @Test
    void missingAndNanNumbersAreShownAsNotAvailable() {
        assertThat(html).contains("<td class=\"na\">n/a</td>");
        assertThat(html).doesNotContain("NaN");
    }

    @Test
    void anEmptyDocumentStillRendersWellFormed() throws Exception {
        ObjectNode empty = Json.object();
        String page = ReportHtml.render(empty);
        parse(page);
        assertThat(page).contains("SIMULATED", "No runs");
    }

    @Test
    void writesTheRenderedPageCreatingDirectories(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/bench/report.html");
        ReportHtml.write(ResultsFixture.twoRuns(), file);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(html);
    }

    private static Element plots(Document doc, String kind) {
        NodeList svgs = doc.getElementsByTagNameNS(SVG_NS, "svg");
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            if (svg.getAttribute("data-kind").equals(kind)) {
                return svg;
            }
        }
        throw new AssertionError("no plot of kind " + kind);
    }

    private static Document parse(String page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    }

    private static int count(String text, String needle) {
        return (int) Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
    }
}
