package kg.testserver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * A throw-away Neo4j Community server for kg's tests: embedded database, Bolt on 127.0.0.1,
 * authentication on (user neo4j, password from NEO4J_PASSWORD), data in a temporary folder that
 * is deleted on exit. Writes the bolt:// URI to RUN_DIR/uri once the server accepts logins;
 * SIGTERM (or Ctrl-C) shuts the database down cleanly.
 *
 * With TLS_DIR (holding private.key and public.crt, PEM), Bolt also speaks TLS on the same port
 * (encryption optional), so bolt+s:// and neo4j+s:// can be tested against a real handshake.
 *
 * With KG_NEO4J_HOME set, the server runs on the store in that folder (data/databases/neo4j, as
 * neo4j-admin database import writes it with NEO4J_HOME set to the same folder) and keeps it.
 *
 * Usage: java -cp ... kg.testserver.TestServer RUN_DIR [PORT [TLS_DIR]]   (PORT 0: a free port)
 */
public final class TestServer {
    private static final String HOST = "127.0.0.1";
    private static final int BIND_ATTEMPTS = 5;

    private TestServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: TestServer RUN_DIR [PORT]");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("NEO4J_PASSWORD is not set: the test server needs a password for user neo4j");
            System.exit(2);
        }
        Path runDir = Path.of(args[0]).toAbsolutePath();
        int requestedPort = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Path tlsDir = args.length > 2 && !args[2].isEmpty() ? Path.of(args[2]).toAbsolutePath() : null;
        Files.createDirectories(runDir);
        // KG_NEO4J_HOME: serve the store already in that folder (e.g. one neo4j-admin imported into)
        // and keep it on exit; otherwise a fresh temporary folder, deleted on exit.
        String givenHome = System.getenv("KG_NEO4J_HOME");
        boolean keepHome = givenHome != null && !givenHome.isEmpty();
        Path home = keepHome ? Path.of(givenHome).toAbsolutePath() : Files.createTempDirectory("kg-neo4j-");

        DatabaseManagementService service = null;
        int port = -1;
        RuntimeException lastFailure = null;
        // A free port found here can be taken by someone else before Neo4j binds it: try again.
        for (int attempt = 0; attempt < BIND_ATTEMPTS && service == null; attempt++) {
            port = requestedPort > 0 ? requestedPort : freePort();
            try {
                service = start(home, port, tlsDir);
            } catch (RuntimeException e) {
                lastFailure = e;
                if (requestedPort > 0) {
                    break;
                }
            }
        }
        if (service == null) {
            if (!keepHome) {
                deleteTree(home);
            }
            throw lastFailure;
        }

        setPassword(service, password);

        final DatabaseManagementService running = service;
        CountDownLatch stopped = new CountDownLatch(1);
        Path uriFile = runDir.resolve("uri");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(uriFile);
                running.shutdown();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            } finally {
                if (!keepHome) {
                    deleteTree(home);
                }
                stopped.countDown();
            }
        }, "kg-neo4j-shutdown"));

        String uri = "bolt://" + HOST + ":" + port;
        if (tlsDir != null) {
            System.out.println("kg test Neo4j: Bolt also accepts TLS with the certificate in " + tlsDir);
        }
        // Written atomically so a reader never sees half a URI.
        Path tmp = runDir.resolve("uri.tmp");
        Files.writeString(tmp, uri + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, uriFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("kg test Neo4j listening on " + uri + ", data in " + home);
        System.out.flush();
        stopped.await();
    }

    private static DatabaseManagementService start(Path home, int port, Path tlsDir) throws IOException {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Tests try wrong passwords on purpose; no lock-out after a few of them.
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(512));
        if (tlsDir != null) {
            SslPolicyConfig bolt = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
            // Neo4j insists on these folders even when no client certificate is asked for.
            Files.createDirectories(tlsDir.resolve("trusted"));
            Files.createDirectories(tlsDir.resolve("revoked"));
            builder.setConfig(bolt.enabled, true)
                    .setConfig(bolt.base_directory, tlsDir)
                    .setConfig(bolt.private_key, tlsDir.resolve("private.key"))
                    .setConfig(bolt.public_certificate, tlsDir.resolve("public.crt"))
                    .setConfig(bolt.client_auth, ClientAuth.NONE)
                    // Plain bolt:// keeps working for the other tests; +s schemes get TLS.
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.OPTIONAL);
        }
        return builder.build();
    }

    /** The password is a query parameter, never part of the statement text, and never printed. */
    private static void setPassword(DatabaseManagementService service, String password) {
        service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
