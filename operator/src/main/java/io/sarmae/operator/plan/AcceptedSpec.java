package io.sarmae.operator.plan;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sarmae.operator.api.v1alpha1.JobSpecCommon;
import io.sarmae.operator.api.v1alpha1.SpecRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The operator's own immutability check, for API servers that do not enforce the CRD's CEL
 * transition rule: the first spec a run starts with is accepted and its immutable part (every field
 * but {@link SpecRules#MUTABLE}) digested into status; a later generation whose digest differs is
 * rejected. The pods keep running the accepted spec, and no new pod group starts until the edit is
 * reverted (or the run is re-created), because the operator never stores the old spec to render it
 * from.
 */
final class AcceptedSpec {
  private AcceptedSpec() {}

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .build();

  /** SHA-256 (hex) of the immutable fields of {@code spec}, independent of field order. */
  static String digest(JobSpecCommon spec) {
    ObjectNode tree = CANONICAL.valueToTree(spec);
    SpecRules.MUTABLE.forEach(tree::remove);
    try {
      byte[] json =
          CANONICAL
              .writeValueAsString(CANONICAL.treeToValue(tree, Object.class))
              .getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
    } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
