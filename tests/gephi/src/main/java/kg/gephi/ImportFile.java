package kg.gephi;

import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import org.gephi.graph.api.Column;
import org.gephi.graph.api.Edge;
import org.gephi.graph.api.GraphController;
import org.gephi.graph.api.GraphModel;
import org.gephi.graph.api.Node;
import org.gephi.graph.api.TimeRepresentation;
import org.gephi.io.importer.api.Container;
import org.gephi.io.importer.api.ImportController;
import org.gephi.io.processor.plugin.DefaultProcessor;
import org.gephi.project.api.ProjectController;
import org.gephi.project.api.Workspace;
import org.openide.util.Lookup;

/**
 * Imports one GraphML or GEXF file headless, with the import settings Gephi's dialog starts
 * with, and prints one JSON object: node and edge counts, the edge types Gephi made (the type
 * that keeps parallel edges apart) with their counts, the values of the "type" edge column,
 * how many edges carry a time interval, and the import report's issues.
 */
public final class ImportFile {
    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        ProjectController projects = Lookup.getDefault().lookup(ProjectController.class);
        projects.newProject();
        Workspace workspace = projects.getCurrentWorkspace();
        ImportController importer = Lookup.getDefault().lookup(ImportController.class);
        Container container = importer.importFile(file);
        if (container == null) {
            throw new IllegalStateException("Gephi could not import " + file);
        }
        importer.process(container, new DefaultProcessor(), workspace);

        GraphModel model = Lookup.getDefault().lookup(GraphController.class).getGraphModel(workspace);
        Map<String, Integer> gephiTypes = new TreeMap<>();
        Map<String, Integer> typeColumn = new TreeMap<>();
        Map<String, Integer> labels = new TreeMap<>();
        Column column = null;  // kg's "type" attribute, found by its title (its id is the file's key id)
        for (Column candidate : model.getEdgeTable()) {
            if ("type".equals(candidate.getTitle())) {
                column = candidate;
            }
        }
        int timed = 0;
        for (Edge edge : model.getGraph().getEdges()) {
            Object label = model.getEdgeTypeLabel(edge.getType());
            gephiTypes.merge(String.valueOf(label), 1, Integer::sum);
            if (column != null) {
                typeColumn.merge(String.valueOf(edge.getAttribute(column)), 1, Integer::sum);
            }
            labels.merge(String.valueOf(edge.getLabel()), 1, Integer::sum);
            if (timedEdges(model, edge)) {
                timed++;
            }
        }
        int unnamed = 0;
        for (Node node : model.getGraph().getNodes()) {
            if (node.getLabel() == null || node.getLabel().isEmpty()) {
                unnamed++;
            }
        }
        StringBuilder issues = new StringBuilder();
        container.getReport().getIssues(1000).forEachRemaining(issue -> {
            if (issues.length() > 0) {
                issues.append(',');
            }
            issues.append(quote(issue.getLevel() + ": " + issue.getMessage()));
        });
        System.out.println("{\"nodes\": " + model.getGraph().getNodeCount()
                + ", \"edges\": " + model.getGraph().getEdgeCount()
                + ", \"unlabelled_nodes\": " + unnamed
                + ", \"timed_edges\": " + timed
                + ", \"gephi_edge_types\": " + object(gephiTypes)
                + ", \"type_column\": " + object(typeColumn)
                + ", \"edge_labels\": " + object(labels)
                + ", \"issues\": [" + issues + "]}");
        System.exit(0);  // the toolkit leaves non-daemon threads behind
    }

    private static boolean timedEdges(GraphModel model, Edge edge) {
        // An element answers for the time representation the graph was configured with only.
        if (model.getConfiguration().getTimeRepresentation() == TimeRepresentation.INTERVAL) {
            return edge.getIntervals().length > 0;
        }
        return edge.getTimestamps().length > 0;
    }

    private static String object(Map<String, Integer> counts) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(quote(entry.getKey())).append(": ").append(entry.getValue());
        }
        return out.append('}').toString();
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
