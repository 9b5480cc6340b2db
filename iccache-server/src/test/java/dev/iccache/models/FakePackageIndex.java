package dev.iccache.models;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A PEP 503 "simple" package index on loopback serving wheels made in memory, for installer
 * tests: real pip against it, no network.
 */
final class FakePackageIndex implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> wheels = new LinkedHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    FakePackageIndex() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            byte[] body = null;
            String type = "text/html";
            if (path.startsWith("/simple/")) {
                String name = path.substring("/simple/".length()).replace("/", "");
                StringBuilder html = new StringBuilder("<html><body>\n");
                wheels.keySet().stream().filter(f -> normalise(f.substring(0, f.indexOf('-'))).equals(name))
                        .forEach(f -> html.append("<a href=\"/files/").append(f).append("\">").append(f).append("</a>\n"));
                if (html.indexOf("<a") >= 0) {
                    body = html.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
                }
            } else if (path.startsWith("/files/")) {
                body = wheels.get(path.substring("/files/".length()));
                type = "application/octet-stream";
            }
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.getResponseHeaders().set("Content-Type", type);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    static String normalise(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    /** Adds a wheel of {@code name==version} holding {@code files} (path → content; paths ending in "*" are executable). */
    FakePackageIndex wheel(String name, String version, Map<String, byte[]> files) throws IOException {
        String dist = name.replace('-', '_');
        String info = dist + "-" + version + ".dist-info/";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringBuilder record = new StringBuilder();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                String path = f.getKey().endsWith("*") ? f.getKey().substring(0, f.getKey().length() - 1) : f.getKey();
                zip.putNextEntry(new ZipEntry(path));
                zip.write(f.getValue());
                zip.closeEntry();
                record.append(path).append(",,\n");
            }
            put(zip, info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
            put(zip, info + "WHEEL", "Wheel-Version: 1.0\nGenerator: iccache-test\nRoot-Is-Purelib: true\n"
                    + "Tag: py3-none-any\n");
            put(zip, info + "RECORD", record + info + "METADATA,,\n" + info + "WHEEL,,\n" + info + "RECORD,,\n");
        }
        byte[] wheel = bytes.toByteArray();
        wheels.put(dist + "-" + version + "-py3-none-any.whl", executableBits(wheel, files));
        return this;
    }

    /** Sets the Unix mode 755 on the entries marked executable (pip keeps the execute bits of a wheel's files). */
    private static byte[] executableBits(byte[] zip, Map<String, byte[]> files) {
        // Central directory entries: signature 0x02014b50; external attributes at offset 38 (4 bytes).
        for (String key : files.keySet()) {
            if (!key.endsWith("*")) {
                continue;
            }
            byte[] name = key.substring(0, key.length() - 1).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i + 46 + name.length <= zip.length; i++) {
                if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 0x01 && zip[i + 3] == 0x02) {
                    int nameLength = (zip[i + 28] & 0xff) | (zip[i + 29] & 0xff) << 8;
                    if (nameLength == name.length && java.util.Arrays.equals(zip, i + 46, i + 46 + nameLength, name, 0,
                            name.length)) {
                        zip[i + 4] = 20;
                        zip[i + 5] = 3; // version made by: Unix
                        int attr = 0100755 << 16;
                        zip[i + 38] = (byte) attr;
                        zip[i + 39] = (byte) (attr >>> 8);
                        zip[i + 40] = (byte) (attr >>> 16);
                        zip[i + 41] = (byte) (attr >>> 24);
                    }
                }
            }
        }
        return zip;
    }

    private static void put(ZipOutputStream zip, String path, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(path));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/simple";
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
