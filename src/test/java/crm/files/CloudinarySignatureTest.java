package crm.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request signature of Cloudinary's authentication_signatures page, on the page's own example. */
class CloudinarySignatureTest {

  @Test
  void the_documented_example_signs_to_the_documented_digest() {
    // eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp=1315060510 + secret "abcd"
    Map<String, String> params = Map.of("timestamp", "1315060510", "public_id", "sample_image",
        "eager", "w_400,h_300,c_pad|w_260,h_200,c_crop");
    assertThat(CloudinaryBackend.sign(params, "abcd")).isEqualTo("bfd09f95f331f558cbd1320e67aa8d488770583e");
  }

  @Test
  void resource_types_follow_the_kind() {
    assertThat(CloudinaryBackend.resourceType(FileType.PNG)).isEqualTo("image");
    assertThat(CloudinaryBackend.resourceType(FileType.MP3)).isEqualTo("video");
    assertThat(CloudinaryBackend.resourceType(FileType.PDF)).isEqualTo("raw");
  }
}
